"""Run moto's S3 server for the tests: on 127.0.0.1 only, on a port the kernel picks.

``python tests/s3_server.py`` binds 127.0.0.1:0, prints ``PORT <n>`` once it listens, and serves
until terminated (moto's own ``moto_server`` wants a port named beforehand).
"""

from __future__ import annotations

import sys


def main() -> None:
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
