"""Carriers of the W3C trace context: captured from the current span, read back from stored
rows and message headers, and absent when nothing is traced."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from reservation_common.tracing import context_from, create_tracer_provider, current_carrier


def test_without_a_span_nothing_is_captured() -> None:
    assert current_carrier() is None


def test_the_carrier_names_the_current_span_and_reads_back_as_its_context() -> None:
    exporter = InMemorySpanExporter()
    tracer = create_tracer_provider("test", exporter=exporter).get_tracer(__name__)
    with tracer.start_as_current_span("request") as span:
        carrier = current_carrier()
    ids = span.get_span_context()
    assert carrier is not None
    version, trace_id, span_id, _flags = carrier["traceparent"].split("-")
    assert (version, trace_id, span_id) == ("00", f"{ids.trace_id:032x}", f"{ids.span_id:016x}")

    # As stored (jsonb) and as AMQP headers may hand it back: str or bytes values, any case.
    for stored in (carrier, {"TraceParent": carrier["traceparent"].encode()}):
        context = context_from(stored)
        assert context is not None
        parent = trace.get_current_span(context).get_span_context()
        assert (parent.trace_id, parent.span_id, parent.is_remote) == (
            ids.trace_id,
            ids.span_id,
            True,
        )
    with tracer.start_as_current_span("publish", context=context_from(carrier)) as child:
        pass
    assert child.parent is not None and child.parent.span_id == ids.span_id
    assert [s.name for s in exporter.get_finished_spans()] == ["request", "publish"]


def test_a_missing_or_broken_carrier_gives_no_parent() -> None:
    assert context_from(None) is None
    assert context_from({}) is None
    assert context_from({"traceparent": "not-a-traceparent"}) is None
    assert context_from({"traceparent": "00-" + "0" * 32 + "-" + "0" * 16 + "-01"}) is None
    assert context_from({"x-death": [{"reason": "rejected"}]}) is None
