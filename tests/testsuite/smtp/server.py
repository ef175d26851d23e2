"""A real SMTP server on 127.0.0.1 for the e-mail delivery tests: aiosmtpd, certificates by trustme.

Every accepted message is spooled as DIR/NNN.eml (the message as received in DATA, after the
transparency dots are removed: CRLF line ends as sent) and then DIR/NNN.json (its envelope, the
authenticated user, whether the connection was encrypted), both written atomically before the 250
reply, so a client that has its reply can read them. --log records every SMTP command line a client
sends, as its verb alone (AUTH with its mechanism, never the secret), before the server decides
anything about it, plus a line `TLS` when a STARTTLS handshake completes.

--tls starttls        STARTTLS offered and required before anything but EHLO, NOOP and QUIT
--tls implicit        TLS from the first byte (SMTPS)
--tls none            plain text only
--tls refuse-starttls STARTTLS advertised, but answered 454 4.7.0 TLS not available

--script '{"address": "behaviour"}' (addresses compare case-insensitively):
  451-once        the first RCPT TO of the address gets 451, later ones are accepted
  550             every RCPT TO of the address gets 550
  drop-after-data the whole message is read, then the connection closes with no reply (the
                  message is not spooled: DIR/dropped.txt gets a line, its recipients as JSON)
  451-data-once   the first message to the address gets 451 at the end of DATA (not spooled)

Once listening it prints `listening on 127.0.0.1:PORT`; it runs until killed or until its standard
input closes (so a test that dies leaves no server behind).
"""

import argparse
import asyncio
import json
import logging
import os
import ssl
import sys
import threading
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, syntax

TRY_LATER = "451 4.3.0 try again later"
NO_MAILBOX = "550 5.1.1 no such mailbox"
NO_TLS = "454 4.7.0 TLS not available"


def write_atomically(path, data):
    temporary = path + ".tmp"
    with open(temporary, "wb") as file:
        file.write(data)
    os.replace(temporary, path)


class Handler:
    """The server's answers: the script's refusals, and the spool."""

    def __init__(self, spool, script):
        self.spool = spool
        self.script = {address.lower(): what for address, what in script.items()}
        self.refused_once = set()  # (behaviour, address) already refused once
        self.spooled = 0

    def first_time(self, behaviour, address):
        if (behaviour, address) in self.refused_once:
            return False
        self.refused_once.add((behaviour, address))
        return True

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        what = self.script.get(address.lower())
        if what == "550":
            return NO_MAILBOX
        if what == "451-once" and self.first_time(what, address.lower()):
            return TRY_LATER
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        behaviours = [(self.script.get(a.lower()), a.lower()) for a in envelope.rcpt_tos]
        if any(what == "drop-after-data" for what, _ in behaviours):
            with open(os.path.join(self.spool, "dropped.txt"), "a") as dropped:
                dropped.write(json.dumps(envelope.rcpt_tos) + "\n")
            # Out of aiosmtpd's command loop without a reply: it closes the connection.
            raise asyncio.CancelledError
        for what, address in behaviours:
            if what == "451-data-once" and self.first_time(what, address):
                return TRY_LATER
        self.spooled += 1
        base = os.path.join(self.spool, f"{self.spooled:03}")
        write_atomically(base + ".eml", envelope.original_content)
        envelope_json = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "auth_user": session.auth_data.login.decode() if session.authenticated else None,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
        }
        write_atomically(base + ".json", json.dumps(envelope_json).encode())
        return "250 OK"


class LoggingSMTP(SMTP):
    """aiosmtpd's SMTP, which logs each command line it reads and can refuse STARTTLS."""

    def __init__(self, handler, *, log, refuse_starttls, **kwargs):
        super().__init__(handler, **kwargs)
        self.log_path = log
        self.refuse_starttls = refuse_starttls

    def log(self, line):
        if self.log_path:
            with open(self.log_path, "a") as log:
                log.write(line + "\n")

    def _cb_client_connected(self, reader, writer):
        super()._cb_client_connected(reader, writer)
        self.reading_commands = True
        read = reader.readuntil

        # Every line aiosmtpd reads goes through readuntil(): the commands, and also the
        # message (smtp_DATA) and the answers to AUTH's challenges (challenge_auth), which
        # those two methods keep out of the log.
        async def readuntil(*args):
            line = await read(*args)
            if self.reading_commands:
                words = line.decode("ascii", "replace").split()
                verb = words[0].upper() if words else ""
                if verb == "AUTH" and len(words) > 1:
                    verb += " " + words[1].upper()
                self.log(verb)
            return line

        reader.readuntil = readuntil

    async def not_commands(self, method, *args, **kwargs):
        self.reading_commands = False
        try:
            return await method(*args, **kwargs)
        finally:
            self.reading_commands = True

    @syntax("DATA")
    async def smtp_DATA(self, arg):
        await self.not_commands(super().smtp_DATA, arg)

    async def challenge_auth(self, *args, **kwargs):
        return await self.not_commands(super().challenge_auth, *args, **kwargs)

    @syntax("STARTTLS", when="tls_context")
    async def smtp_STARTTLS(self, arg):
        if self.refuse_starttls:
            await self.push(NO_TLS)
            return
        await super().smtp_STARTTLS(arg)  # returns once the handshake is done
        self.log("TLS")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spool", required=True)
    parser.add_argument("--log")
    parser.add_argument(
        "--tls", choices=["starttls", "implicit", "none", "refuse-starttls"], default="starttls"
    )
    parser.add_argument("--ca")
    parser.add_argument("--auth", metavar="USER:PASSWORD")
    parser.add_argument("--script", default="{}")
    parser.add_argument("--port", type=int, default=0)
    options = parser.parse_args()
    # Quiet about what the tests ask for (AUTH without STARTTLS, its own deprecated login_data).
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
    os.makedirs(options.spool, exist_ok=True)

    context = None
    if options.tls != "none":
        import trustme

        ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        if options.ca:
            ca.cert_pem.write_to_path(options.ca)

    credentials = None
    if options.auth:
        user, _, password = options.auth.partition(":")
        credentials = (user.encode(), password.encode())

    def authenticate(server, session, envelope, mechanism, auth_data):
        given = (auth_data.login, auth_data.password)
        ok = credentials is not None and given == credentials
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    handler = Handler(options.spool, json.loads(options.script))
    implicit = options.tls == "implicit"

    def factory():
        return LoggingSMTP(
            handler,
            log=options.log,
            refuse_starttls=options.tls == "refuse-starttls",
            hostname="localhost",
            enable_SMTPUTF8=True,  # as aiosmtpd's Controller does
            # With implicit TLS aiosmtpd sees no STARTTLS: its own TLS is the socket's.
            tls_context=None if implicit else context,
            require_starttls=options.tls == "starttls",
            authenticator=authenticate,
            auth_required=credentials is not None,
            # aiosmtpd takes only a STARTTLS as encryption, so AUTH over implicit TLS (or over
            # plain text, when the test asks for it) needs this off.
            auth_require_tls=options.tls in ("starttls", "refuse-starttls"),
        )

    # Standard input closed: the test that started the server has gone.
    def watch_stdin():
        while sys.stdin.buffer.read(4096):
            pass
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            factory, "127.0.0.1", options.port, ssl=context if implicit else None
        )
        port = server.sockets[0].getsockname()[1]
        print(f"listening on 127.0.0.1:{port}", flush=True)
        await server.serve_forever()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
