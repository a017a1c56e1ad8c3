import { Link } from 'react-router';
import type { ResourceRead } from '@/lib/api/types';
import { StatusBadge } from '@/components/ui/status-badge';

type Node = ResourceRead & { children: Node[] };

/** Builds the parent/child forest from a flat list; orphans (parent filtered out) become roots. */
export function buildForest(resources: ResourceRead[]): Node[] {
  const nodes = new Map<string, Node>(resources.map((r) => [r.id, { ...r, children: [] }]));
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parent = node.parent_id ? nodes.get(node.parent_id) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

function Branch({ nodes, root }: { nodes: Node[]; root?: boolean }) {
  return (
    <ul className={root ? 'tree tree-root' : 'tree'} role={root ? 'tree' : 'group'}>
      {nodes.map((node) => (
        <li key={node.id} role="treeitem" aria-expanded={node.children.length ? true : undefined} aria-selected={false}>
          <div className="row">
            <Link to={`/resources/${node.id}`}>{node.name}</Link>
            {node.status !== 'active' ? <StatusBadge status={node.status} /> : null}
            {node.location ? <span className="muted">{node.location}</span> : null}
          </div>
          {node.children.length ? <Branch nodes={node.children} /> : null}
        </li>
      ))}
    </ul>
  );
}

export function ResourceTree({ resources }: { resources: ResourceRead[] }) {
  return <Branch nodes={buildForest(resources)} root />;
}
