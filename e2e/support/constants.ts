export const E2E_ADMIN = { email: "night.admin@example.com", password: "e2e password, long enough" };
export const E2E_VIEWER = { email: "viewer@example.com", password: E2E_ADMIN.password };
export const E2E_NEXTAUTH_SECRET = "e2e-secret-e2e-secret-e2e-secret-0123456789";
