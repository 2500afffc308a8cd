"""Forwarded mails as Gmail, Outlook, Apple Mail and Thunderbird write them, in English,
German, French and Spanish (plain-text parts, as each client sends them). Lena wrote
to Dana on 7 December 2026 at 10:15 (CET where the client says a zone)."""

ORIGINAL = "Hello Dana,\n\nI want a refund for order 4711: the kettle leaks.\n\nLena"

GMAIL = {
    "en": "---------- Forwarded message ---------\nFrom: Lena Berg <lena@example.org>\n"
    "Date: Mon, Dec 7, 2026 at 10:15 AM\nSubject: Refund please\n"
    "To: Dana Agent <dana@acme.example>\n\n\n",
    "de": "---------- Weitergeleitete Nachricht ---------\nVon: Lena Berg <lena@example.org>\n"
    "Date: Mo., 7. Dez. 2026 um 10:15 Uhr\nSubject: Refund please\n"
    "To: Dana Agent <dana@acme.example>\n\n\n",
    "fr": "---------- Message transféré ---------\nDe : Lena Berg <lena@example.org>\n"
    "Date: lun. 7 déc. 2026 à 10:15\nSubject: Refund please\n"
    "To: Dana Agent <dana@acme.example>\n\n\n",
    "es": "---------- Mensaje reenviado ---------\nDe: Lena Berg <lena@example.org>\n"
    "Date: lun, 7 dic 2026 a las 10:15\nSubject: Refund please\n"
    "To: Dana Agent <dana@acme.example>\n\n\n",
}
OUTLOOK = {
    "en": "________________________________\nFrom: Lena Berg <lena@example.org>\n"
    "Sent: Monday, December 7, 2026 10:15 AM\nTo: Dana Agent <dana@acme.example>\n"
    "Subject: Refund please\n\n",
    "de": "-----Ursprüngliche Nachricht-----\nVon: Lena Berg <lena@example.org>\n"
    "Gesendet: Montag, 7. Dezember 2026 10:15\nAn: Dana Agent <dana@acme.example>\n"
    "Betreff: Refund please\n\n",
    "fr": "-----Message d'origine-----\nDe : Lena Berg [mailto:lena@example.org]\n"
    "Envoyé : lundi 7 décembre 2026 10:15\nÀ : Dana Agent <dana@acme.example>\n"
    "Objet : Refund please\n\n",
    "es": "________________________________\nDe: Lena Berg <lena@example.org>\n"
    "Enviado: lunes, 7 de diciembre de 2026 10:15\nPara: Dana Agent <dana@acme.example>\n"
    "Asunto: Refund please\n\n",
}
APPLE = {
    "en": "Begin forwarded message:\n\nFrom: Lena Berg <lena@example.org>\n"
    "Subject: Refund please\nDate: 7 December 2026 at 10:15:00 CET\n"
    "To: Dana Agent <dana@acme.example>\n\n",
    "de": "Anfang der weitergeleiteten Nachricht:\n\nVon: Lena Berg <lena@example.org>\n"
    "Betreff: Refund please\nDatum: 7. Dezember 2026 um 10:15:00 MEZ\n"
    "An: Dana Agent <dana@acme.example>\n\n",
    "fr": "Début du message réexpédié :\n\nDe: Lena Berg <lena@example.org>\n"
    "Objet: Refund please\nDate: 7 décembre 2026 à 10:15:00 UTC+1\n"
    "À: Dana Agent <dana@acme.example>\n\n",
    "es": "Inicio del mensaje reenviado:\n\nDe: Lena Berg <lena@example.org>\n"
    "Asunto: Refund please\nFecha: 7 de diciembre de 2026, 10:15:00 CET\n"
    "Para: Dana Agent <dana@acme.example>\n\n",
}
THUNDERBIRD = {
    "en": "-------- Forwarded Message --------\nSubject: \tRefund please\n"
    "Date: \tMon, 7 Dec 2026 10:15:00 +0100\nFrom: \tLena Berg <lena@example.org>\n"
    "To: \tDana Agent <dana@acme.example>\n\n\n\n",
    "de": "-------- Weitergeleitete Nachricht --------\nBetreff: \tRefund please\n"
    "Datum: \tMon, 7 Dec 2026 10:15:00 +0100\nVon: \tLena Berg <lena@example.org>\n"
    "An: \tDana Agent <dana@acme.example>\n\n\n\n",
    "fr": "-------- Message transféré --------\nSujet : \tRefund please\n"
    "Date : \tMon, 7 Dec 2026 10:15:00 +0100\nDe : \tLena Berg <lena@example.org>\n"
    "Pour : \tDana Agent <dana@acme.example>\n\n\n\n",
    "es": "-------- Mensaje reenviado --------\nAsunto: \tRefund please\n"
    "Fecha: \tMon, 7 Dec 2026 10:15:00 +0100\nDe: \tLena Berg <lena@example.org>\n"
    "Para: \tDana Agent <dana@acme.example>\n\n\n\n",
}
CLIENTS = {"gmail": GMAIL, "outlook": OUTLOOK, "apple": APPLE, "thunderbird": THUNDERBIRD}
FORMS = [(c, lang, block) for c, by_lang in CLIENTS.items() for lang, block in by_lang.items()]


def forwarded(block: str, above: str = "Lena wrote to me directly, please take it.") -> str:
    return f"{above}\n\n{block}{ORIGINAL}\n"
