#!/bin/sh
# Runs the Autobahn TestSuite's wstest (release 25.10.1, Python 2.7) from its source and that of its
# pinned dependencies, without pyOpenSSL: enough for ws:// (the fuzzing client against AutobahnRun's
# echo), not for wss://. For machines where `pip install autobahntestsuite` cannot reach PyPI.
#
#   WSTEST_SITE=DIR [PYTHON2=python2.7] bench/scripts/wstest-ws-only.sh -m fuzzingclient -s spec.json
#
# DIR holds the packages as importable directories: autobahntestsuite, autobahn (0.10.9), twisted
# (19.10.0), txaio (2.1.0), zope (zope.interface 4.6.0), six.py (1.16.0), attr (19.3.0), automat (20.2.0),
# constantly (15.1.0), incremental (16.10.1), hyperlink (19.0.0), idna (2.10), jinja2 (2.11.3) and
# markupsafe (1.1.1). Python 2.7's unittest stands in for unittest2.
set -eu
: "${WSTEST_SITE:?name the directory of the suite and its dependencies}"
shim=$(mktemp -d)
trap 'rm -rf "$shim"' EXIT
echo 'from unittest import *' > "$shim/unittest2.py"
PYTHONPATH="$WSTEST_SITE:$shim" "${PYTHON2:-python2.7}" -c '
import sys, types

def absent(*args, **kwargs):
    raise RuntimeError("wss:// needs pyOpenSSL, which is not installed")

class ClientContextFactory(object):
    getContext = absent

class NoTls(types.ModuleType):
    """twisted.internet.ssl without OpenSSL: the fuzzing client builds a context factory it uses only for wss://."""
    ClientContextFactory = ClientContextFactory
    def __getattr__(self, name):
        absent()

import twisted.internet
sys.modules["twisted.internet.ssl"] = twisted.internet.ssl = NoTls("twisted.internet.ssl")
from autobahntestsuite.wstest import run
sys.argv[0] = "wstest"
run()
' "$@"
