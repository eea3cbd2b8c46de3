import { db } from "@/lib/db/client";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const clusters = await db().cluster.findMany({ orderBy: { name: "asc" }, include: { nodes: { orderBy: { name: "asc" } } } });
  return (
    <main className="mx-auto max-w-5xl p-6">
      <h1 className="mb-4 text-2xl font-semibold">Clusters</h1>
      {clusters.length === 0 && <p>No clusters yet. Start an agent with --cluster NAME to create one.</p>}
      {clusters.map((cluster) => (
        <section key={cluster.id} className="mb-6 rounded border bg-white p-4">
          <h2 className="text-lg font-medium">{cluster.name}</h2>
          <table className="mt-2 w-full text-left text-sm">
            <thead>
              <tr><th>Node</th><th>Role</th><th>Host</th><th>Priority</th></tr>
            </thead>
            <tbody>
              {cluster.nodes.map((node) => (
                <tr key={node.id}><td>{node.name}</td><td>{node.role}</td><td>{node.host}</td><td>{node.priority}</td></tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </main>
  );
}
