"""The words of the mails, per locale. Placeholders: {title}, {resource}, {site}, {start},
{end}, {minutes}, {actor}, {reason}. A locale missing here is sent in English."""

from __future__ import annotations

from typing import Any

from reservation_be.mail.kinds import MailKind

DEFAULT_LOCALE = "en"

EN: dict[str, Any] = {
    "kinds": {
        MailKind.BOOKING_CONFIRMED: (
            "Booking confirmed: {title}",
            "Your booking of {resource} is confirmed.",
        ),
        MailKind.BOOKING_AWAITING_APPROVAL: (
            "Booking awaiting approval: {title}",
            "Your booking of {resource} waits for a site admin's approval. The period is held "
            "for you meanwhile.",
        ),
        MailKind.BOOKING_APPROVED: (
            "Booking approved: {title}",
            "Your booking of {resource} was approved.",
        ),
        MailKind.BOOKING_REJECTED: (
            "Booking rejected: {title}",
            "Your booking of {resource} was rejected.",
        ),
        MailKind.BOOKING_CHANGED: (
            "Booking changed: {title}",
            "Your booking of {resource} was changed by {actor}.",
        ),
        MailKind.BOOKING_CANCELLED: (
            "Booking cancelled: {title}",
            "Your booking of {resource} was cancelled by {actor}.",
        ),
        MailKind.PROVISIONING_READY: (
            "Ready: {title}",
            "{resource} is ready for your booking.",
        ),
        MailKind.PROVISIONING_FAILED: (
            "Provisioning failed: {title}",
            "{resource} could not be prepared for your booking.",
        ),
        MailKind.REMINDER_START: (
            "Starts in {minutes} min: {title}",
            "Your booking of {resource} starts in {minutes} minutes.",
        ),
        MailKind.REMINDER_END: (
            "Ends in {minutes} min: {title}",
            "Your booking of {resource} ends in {minutes} minutes.",
        ),
        MailKind.APPROVAL_REQUESTED: (
            "Approval requested: {title}",
            "{actor} asks to book {resource} on {site}; it waits for your decision.",
        ),
    },
    "labels": {
        "title": "Booking",
        "resource": "Resource",
        "site": "Site",
        "start": "Start",
        "end": "End",
        "status": "Status",
        "reason": "Reason",
        "provisioning": "Provisioning",
        "open": "Open in the app",
        "preferences": "Choose which e-mails you receive",
        "unsubscribe": "Stop these reminders",
        "automatic": "This message was sent automatically by the reservation platform.",
    },
    "weekdays": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}

IT: dict[str, Any] = {
    "kinds": {
        MailKind.BOOKING_CONFIRMED: (
            "Prenotazione confermata: {title}",
            "La tua prenotazione di {resource} è confermata.",
        ),
        MailKind.BOOKING_AWAITING_APPROVAL: (
            "Prenotazione in attesa di approvazione: {title}",
            "La tua prenotazione di {resource} attende l'approvazione di un amministratore del "
            "sito. Nel frattempo il periodo resta riservato a te.",
        ),
        MailKind.BOOKING_APPROVED: (
            "Prenotazione approvata: {title}",
            "La tua prenotazione di {resource} è stata approvata.",
        ),
        MailKind.BOOKING_REJECTED: (
            "Prenotazione rifiutata: {title}",
            "La tua prenotazione di {resource} è stata rifiutata.",
        ),
        MailKind.BOOKING_CHANGED: (
            "Prenotazione modificata: {title}",
            "La tua prenotazione di {resource} è stata modificata da {actor}.",
        ),
        MailKind.BOOKING_CANCELLED: (
            "Prenotazione annullata: {title}",
            "La tua prenotazione di {resource} è stata annullata da {actor}.",
        ),
        MailKind.PROVISIONING_READY: (
            "Pronto: {title}",
            "{resource} è pronto per la tua prenotazione.",
        ),
        MailKind.PROVISIONING_FAILED: (
            "Preparazione non riuscita: {title}",
            "Non è stato possibile preparare {resource} per la tua prenotazione.",
        ),
        MailKind.REMINDER_START: (
            "Inizia tra {minutes} min: {title}",
            "La tua prenotazione di {resource} inizia tra {minutes} minuti.",
        ),
        MailKind.REMINDER_END: (
            "Termina tra {minutes} min: {title}",
            "La tua prenotazione di {resource} termina tra {minutes} minuti.",
        ),
        MailKind.APPROVAL_REQUESTED: (
            "Approvazione richiesta: {title}",
            "{actor} chiede di prenotare {resource} su {site}; attende la tua decisione.",
        ),
    },
    "labels": {
        "title": "Prenotazione",
        "resource": "Risorsa",
        "site": "Sito",
        "start": "Inizio",
        "end": "Fine",
        "status": "Stato",
        "reason": "Motivo",
        "provisioning": "Preparazione",
        "open": "Apri nell'applicazione",
        "preferences": "Scegli quali e-mail ricevere",
        "unsubscribe": "Non inviarmi più questi promemoria",
        "automatic": "Messaggio inviato automaticamente dalla piattaforma di prenotazione.",
    },
    "weekdays": ("lun", "mar", "mer", "gio", "ven", "sab", "dom"),
}

CATALOGS: dict[str, dict[str, Any]] = {"en": EN, "it": IT}
LOCALES = tuple(CATALOGS)


def catalog(locale: str | None) -> tuple[str, dict[str, Any]]:
    """The locale actually used (``en`` for an unknown one) and its words."""
    base = (locale or DEFAULT_LOCALE).split("-")[0].split("_")[0].lower()
    if base in CATALOGS:
        return base, CATALOGS[base]
    return DEFAULT_LOCALE, CATALOGS[DEFAULT_LOCALE]
