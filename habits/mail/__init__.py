"""E-mail at the edges: writing mail from templates (``compose``) and handing it to a mail
server (``transports``). The outbox and the relay's rules are services
(``habits.services.mail``, ``habits.services.mail_relay``); the scheduler runs the relay."""
