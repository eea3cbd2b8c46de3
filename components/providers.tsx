"use client";
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createContext, useContext, useState } from "react";
import { reportQueryError, reportQuerySuccess } from "./connection-status";

export type SessionUser = { email: string; role: "ADMIN" | "OPERATOR" | "VIEWER" };

const UserContext = createContext<SessionUser | null>(null);

export function useSessionUser(): SessionUser {
  const user = useContext(UserContext);
  if (!user) throw new Error("useSessionUser outside <Providers>");
  return user;
}

export function canOperate(user: SessionUser) {
  return user.role === "OPERATOR" || user.role === "ADMIN";
}

// Deliberate defaults: live views poll on their own interval, so a failed poll is not retried
// (the next poll is the retry) and nothing is considered fresh.
function createQueryClient() {
  return new QueryClient({
    queryCache: new QueryCache({ onError: reportQueryError, onSuccess: reportQuerySuccess }),
    mutationCache: new MutationCache({ onError: reportQueryError }),
    defaultOptions: {
      queries: { retry: false, staleTime: 0, refetchOnWindowFocus: true },
      mutations: { retry: false },
    },
  });
}

export function Providers({ user, children }: { user: SessionUser; children: React.ReactNode }) {
  const [client] = useState(createQueryClient);
  return (
    <QueryClientProvider client={client}>
      <UserContext.Provider value={user}>{children}</UserContext.Provider>
    </QueryClientProvider>
  );
}
