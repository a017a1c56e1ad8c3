import { useState, type KeyboardEvent, type PointerEvent } from 'react';
import type { ReservationRead } from '@/lib/api/types';
import { textOn } from '@/lib/color';
import type { Placed } from '../lanes';
import { MIN_EVENT_PX, SNAP_MINUTES, snapMinutes } from '../utils';

export type MoveMode = 'move' | 'resize';

type EventBlockProps = {
  reservation: ReservationRead;
  top: number;
  height: number;
  /** Its column among the bookings it overlaps (none: the whole width). */
  column?: Placed | undefined;
  color: string;
  label: string;
  /** Start and end as the user reads them, shown with the title. */
  time: string;
  /** Own bookings can be dragged (move) or resized; others are shown only. */
  editable: boolean;
  onCommit: (mode: MoveMode, minutes: number) => void;
};

/** One booking in the time grid. Drag to move, drag the bottom edge to resize; with the keyboard,
 * arrows move by a quarter hour and Shift+arrows change the end. */
export function EventBlock({ reservation, top, height, column, color, label, time, editable, onCommit }: EventBlockProps) {
  const [drag, setDrag] = useState<{ mode: MoveMode; y0: number; dy: number } | null>(null);

  const begin = (mode: MoveMode) => (e: PointerEvent<HTMLElement>) => {
    if (!editable || e.button !== 0) return;
    e.preventDefault();
    e.stopPropagation();
    e.currentTarget.setPointerCapture?.(e.pointerId);
    setDrag({ mode, y0: e.clientY, dy: 0 });
  };
  const move = (e: PointerEvent<HTMLElement>) => {
    if (drag) setDrag({ ...drag, dy: e.clientY - drag.y0 });
  };
  const end = (e: PointerEvent<HTMLElement>) => {
    if (!drag) return;
    const minutes = snapMinutes(e.clientY - drag.y0);
    setDrag(null);
    if (minutes !== 0) onCommit(drag.mode, minutes);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (!editable || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
    e.preventDefault();
    onCommit(e.shiftKey ? 'resize' : 'move', e.key === 'ArrowUp' ? -SNAP_MINUTES : SNAP_MINUTES);
  };

  const dy = drag?.dy ?? 0;
  const style = {
    top: top + (drag?.mode === 'move' ? dy : 0),
    height: Math.max(height + (drag?.mode === 'resize' ? dy : 0), MIN_EVENT_PX),
    // Overlapping bookings share the width; --cal-gutter is room an overlay keeps at the left.
    ...(column && column.columns > 1
      ? {
          left: `calc(var(--cal-gutter, 0px) + (100% - var(--cal-gutter, 0px)) * ${column.column / column.columns} + 2px)`,
          width: `calc((100% - var(--cal-gutter, 0px)) / ${column.columns} - 4px)`,
          right: 'auto',
        }
      : {}),
    background: color,
    color: textOn(color),
    // Pending: a dashed outline (fading the block would cost its text its contrast).
    border: reservation.status === 'pending' ? '2px dashed currentColor' : undefined,
  };
  return (
    <div
      className={editable ? 'cal-event own' : 'cal-event'}
      style={style}
      role={editable ? 'button' : undefined}
      tabIndex={0}
      aria-label={label}
      title={label}
      onPointerDown={begin('move')}
      onPointerMove={move}
      onPointerUp={end}
      onKeyDown={onKeyDown}
      data-testid="calendar-event"
    >
      {/* Short bookings get one line: time and title side by side. */}
      <span className={height < 2 * MIN_EVENT_PX ? 'cal-event-text compact' : 'cal-event-text'}>
        <strong>{reservation.title}</strong> <span className="cal-event-time">{time}</span>
      </span>
      {editable ? <span className="resize" onPointerDown={begin('resize')} aria-hidden="true" /> : null}
    </div>
  );
}
