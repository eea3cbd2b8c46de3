import { randomBytes } from "node:crypto";
import { z } from "zod";
import { bcryptCompare, bcryptHash } from "./bcrypt-pool";

/** Every password a person chooses (the API's users, the launcher's ADMIN_PASSWORD): one rule. */
export const passwordSchema = z.string().min(12, "must be at least 12 characters").max(200);

const COST = 12;

/** bcrypt on a worker thread (lib/auth/bcrypt-pool.ts), never on the caller's. */
export const hashPassword = (password: string) => bcryptHash(password, COST);
export const verifyPassword = (password: string, hash: string) => bcryptCompare(password, hash);

/** 20 characters from a 62-letter alphabet, about 119 bits. */
export function generatePassword(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  return Array.from(randomBytes(20), (b) => alphabet[b % alphabet.length]).join("");
}
