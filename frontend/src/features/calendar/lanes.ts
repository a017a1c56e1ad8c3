/** Side-by-side columns for bookings that overlap in one day column of the time grid (as
 * calendar week views do): each cluster of overlapping bookings is split into as many columns
 * as it needs at its busiest, and each booking takes the first column free at its start. */
export type Placed = { column: number; columns: number };

export function layoutColumns(items: { id: string; start: number; end: number }[]): Map<string, Placed> {
  const sorted = [...items].sort((a, b) => a.start - b.start || b.end - a.end || a.id.localeCompare(b.id));
  const out = new Map<string, Placed>();
  let cluster: { id: string; column: number }[] = [];
  let columnEnds: number[] = [];
  let clusterEnd = -Infinity;
  const close = () => {
    for (const { id, column } of cluster) out.set(id, { column, columns: columnEnds.length });
    cluster = [];
    columnEnds = [];
  };
  for (const item of sorted) {
    if (item.start >= clusterEnd) close();
    let column = columnEnds.findIndex((end) => end <= item.start);
    if (column === -1) {
      column = columnEnds.length;
      columnEnds.push(item.end);
    } else {
      columnEnds[column] = item.end;
    }
    cluster.push({ id: item.id, column });
    clusterEnd = Math.max(clusterEnd, item.end);
  }
  close();
  return out;
}
