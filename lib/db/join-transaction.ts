import type { Prisma, PrismaClient } from "./client";

/**
 * The client as seen from inside an open transaction: a domain function that opens its own
 * (`prisma.$transaction(fn)`) runs `fn` in `tx` instead, so several of them, and the read of
 * their result, commit or roll back as one. Used by the console's PATCH handlers, which apply
 * several settings in one request.
 */
export function joinTransaction(tx: Prisma.TransactionClient): PrismaClient {
  const $transaction = (fn: unknown) => {
    if (typeof fn !== "function") throw new Error("joinTransaction: only callback transactions can join");
    return (fn as (tx: Prisma.TransactionClient) => Promise<unknown>)(tx);
  };
  return new Proxy(tx, {
    get: (target, key): unknown => (key === "$transaction" ? $transaction : Reflect.get(target, key)),
    has: (target, key) => key === "$transaction" || Reflect.has(target, key),
  }) as unknown as PrismaClient;
}
