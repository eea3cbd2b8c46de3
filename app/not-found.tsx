import Link from "next/link";

export default function NotFound() {
  return (
    <main className="mx-auto max-w-xl p-8">
      <h1 className="text-2xl font-bold">Not found</h1>
      <p className="mt-2 text-slate-700">There is no such cluster or page. Clusters appear when their first agent starts.</p>
      <Link href="/" className="mt-4 inline-block rounded bg-sky-700 px-4 py-2 font-semibold text-white focus-visible:outline-3 focus-visible:outline-sky-600">
        Back to clusters
      </Link>
    </main>
  );
}
