#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A Santa sync server for the tests, written from the protocol's description.

Santa's sync protocol (santa.dev sync-protocol page; the santa.sync.v1 messages of
northpolesec/protos sync/v1.proto): POST /<stage>/<machine_id>, a JSON object each way.
Every request is checked against the message's fields as the JSON names them: an unknown
field, a missing required one, a value of the wrong type or a machine_id that differs from
the URL's is a protocol violation, answered 400 and appended to VIOLATIONS.

usage: syncserver.py --dir DIR [--port PORT] [--tls-cert PEM --tls-key PEM [--client-ca PEM]]
  --tls-cert, --tls-key  serve https with this certificate and key (TLS 1.2 or later)
  --client-ca PEM        and require a client certificate issued by this CA (mTLS)
  DIR/scenario.json   read on every request, so a test changes the server's answers by
                      rewriting it:
      {"preflight": {...answer...},
       "pages": [[rule, ...], ...],          ruledownload pages, chained by cursor; a page
                                             "null" answers "rules": null, "absent" {}
       "cursor_int": true,                   the cursor as a number (a broken server)
       "fail": {"stage": "ruledownload", "page": 2, "how": "500|garbage|truncate|close"},
       "delay": {"stage": "eventupload", "seconds": 3}}   answer that stage this late
  DIR/port            written once listening (127.0.0.1)
  DIR/requests.jsonl  one line per request: {"stage", "machine_id", "body", "encoding"}
                      (a body sent with Content-Encoding: deflate is zlib-decompressed)
  DIR/events.jsonl    one line per event of every eventupload answered 200 (accepted)
  DIR/violations      one line per protocol violation
"""
import argparse
import json
import os
import re
import ssl
import time
import zlib
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

# name: (type, required). Types: s string, i integer, b bool, f number, l list, o object.
PREFLIGHT = {
    "serial_num": ("s", True), "hostname": ("s", True), "os_version": ("s", True),
    "os_build": ("s", True), "model_identifier": ("s", False), "santa_version": ("s", True),
    "primary_user": ("s", True), "push_notification_token": ("s", False),
    "client_mode": ("s", True), "request_clean_sync": ("b", False),
    "binary_rule_count": ("i", False), "certificate_rule_count": ("i", False),
    "compiler_rule_count": ("i", False), "transitive_rule_count": ("i", False),
    "teamid_rule_count": ("i", False), "signingid_rule_count": ("i", False),
    "cdhash_rule_count": ("i", False), "machine_id": ("s", False),
    "push_notification_sync": ("b", False),
}
EVENTUPLOAD = {"events": ("l", True), "audit_events": ("l", False),
               "file_access_events": ("l", False), "machine_id": ("s", False)}
# santa.sync.v1 Event, every field the proto defines. Required here: what a blocked execution
# has on any platform (the proto itself has no required fields). "execban" is execban's own
# documented extension (docs/sync.md), the one name beyond the proto this server accepts.
EVENT = {
    "file_sha256": ("s", True), "file_path": ("s", True), "file_name": ("s", True),
    "executing_user": ("s", True), "execution_time": ("f", True),
    "logged_in_users": ("l", False), "current_sessions": ("l", False),
    "decision": ("s", True), "file_bundle_id": ("s", False), "file_bundle_path": ("s", False),
    "file_bundle_executable_rel_path": ("s", False), "file_bundle_name": ("s", False),
    "file_bundle_version": ("s", False), "file_bundle_version_string": ("s", False),
    "file_bundle_hash": ("s", False), "file_bundle_hash_millis": ("i", False),
    "file_bundle_binary_count": ("i", False), "pid": ("i", True), "ppid": ("i", True),
    "parent_name": ("s", False), "team_id": ("s", False), "signing_id": ("s", False),
    "cdhash": ("s", False), "quarantine_data_url": ("s", False),
    "quarantine_referer_url": ("s", False), "quarantine_timestamp": ("i", False),
    "quarantine_agent_bundle_id": ("s", False), "signing_chain": ("l", False),
    "entitlement_info": ("o", False), "cs_flags": ("i", False), "signing_status": ("s", False),
    "secure_signing_time": ("i", False), "signing_time": ("i", False),
    "static_rule": ("b", False),
    "execban": ("o", False),
}
CERTIFICATE = {"sha256": ("s", True), "cn": ("s", False), "org": ("s", False),
               "ou": ("s", False), "valid_from": ("i", False), "valid_until": ("i", False)}
DECISIONS = {"DECISION_UNKNOWN", "ALLOW_UNKNOWN", "ALLOW_BINARY", "ALLOW_CERTIFICATE",
             "ALLOW_SCOPE", "ALLOW_TEAMID", "ALLOW_SIGNINGID", "ALLOW_CDHASH", "BLOCK_UNKNOWN",
             "BLOCK_BINARY", "BLOCK_CERTIFICATE", "BLOCK_SCOPE", "BLOCK_TEAMID",
             "BLOCK_SIGNINGID", "BLOCK_CDHASH", "BUNDLE_BINARY", "BLOCK_BINARY_MISMATCH",
             "ALLOW_PLATFORM"}
RULEDOWNLOAD = {"cursor": ("s", False), "machine_id": ("s", False)}
POSTFLIGHT = {"rules_received": ("i", True), "rules_processed": ("i", True),
              "machine_id": ("s", True), "sync_type": ("s", True)}
STAGES = {"preflight": PREFLIGHT, "eventupload": EVENTUPLOAD, "ruledownload": RULEDOWNLOAD,
          "postflight": POSTFLIGHT}
ENUMS = {
    ("preflight", "client_mode"): {"MONITOR", "LOCKDOWN", "STANDALONE"},
    ("postflight", "sync_type"): {"NORMAL", "CLEAN", "CLEAN_ALL", "CLEAN_STANDALONE"},
}


def type_ok(t, v):
    if t == "s":
        return isinstance(v, str)
    if t == "i":
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0
    if t == "b":
        return isinstance(v, bool)
    if t == "f":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "l":
        return isinstance(v, list)
    return isinstance(v, dict)


def fields(where, spec, body, enums=None):
    """Unknown, mistyped and missing fields of one object against its message's spec."""
    bad = []
    if not isinstance(body, dict):
        return ["%s: not a JSON object" % where]
    for k, v in body.items():
        if k not in spec:
            bad.append("%s: unknown field %r" % (where, k))
        elif not type_ok(spec[k][0], v):
            bad.append("%s: field %r: wrong type %s" % (where, k, type(v).__name__))
        elif enums and k in enums and v not in enums[k]:
            bad.append("%s: field %r: %r is not a value of the enum" % (where, k, v))
    for k, (_, req) in spec.items():
        if req and k not in body:
            bad.append("%s: required field %r missing" % (where, k))
    return bad


def check_events(body):
    bad = []
    for i, e in enumerate(body.get("events") or []):
        where = "eventupload: events[%d]" % i
        bad += fields(where, EVENT, e, {"decision": DECISIONS})
        if not isinstance(e, dict):
            continue
        for j, c in enumerate(e.get("signing_chain") or []):
            bad += fields("%s.signing_chain[%d]" % (where, j), CERTIFICATE, c)
        if "file_sha256" in e and e["file_sha256"] and \
                not re.fullmatch(r"[0-9a-f]{64}", e["file_sha256"]):
            bad.append("%s: file_sha256 %r is not a SHA-256" % (where, e["file_sha256"]))
    return bad


def check(stage, machine_id, body):
    """The request's protocol violations, as a list of strings."""
    bad = []
    if not isinstance(body, dict):
        return ["%s: the body is not a JSON object" % stage]
    spec = STAGES[stage]
    if stage == "eventupload":
        bad += check_events(body)
    for k, v in body.items():
        if k not in spec:
            bad.append("%s: unknown field %r" % (stage, k))
        elif not type_ok(spec[k][0], v):
            bad.append("%s: field %r: wrong type %s" % (stage, k, type(v).__name__))
        elif (stage, k) in ENUMS and v not in ENUMS[(stage, k)]:
            bad.append("%s: field %r: %r is not one of %s" % (stage, k, v,
                                                            sorted(ENUMS[(stage, k)])))
    for k, (_, req) in spec.items():
        if req and k not in body:
            bad.append("%s: required field %r missing" % (stage, k))
    if "machine_id" in body and body["machine_id"] != machine_id:
        bad.append("%s: machine_id %r differs from the URL's %r" % (stage, body["machine_id"],
                                                                    machine_id))
    return bad


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, code, data):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        d = self.server.dir
        parts = self.path.strip("/").split("/")
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        if len(parts) != 2 or parts[0] not in STAGES:
            self.violation("unknown path %r" % self.path)
            return self.answer(404, b"{}")
        stage, machine_id = parts
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "deflate":       # as Santa sends it: zlib (RFC 1950)
            try:
                raw = zlib.decompress(raw)
            except zlib.error as e:
                self.violation("%s: Content-Encoding deflate, but not zlib data: %s" % (stage, e))
        elif encoding:
            self.violation("%s: Content-Encoding %r" % (stage, encoding))
        if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
            self.violation("%s: Content-Type %r" % (stage, self.headers.get("Content-Type")))
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with open(os.path.join(d, "requests.jsonl"), "a") as f:
            f.write(json.dumps({"stage": stage, "machine_id": machine_id, "body": body,
                                "encoding": encoding}) + "\n")
        bad = check(stage, machine_id, body)
        for b in bad:
            self.violation(b)
        if bad:
            return self.answer(400, b'{"error": "protocol violation"}')
        with open(os.path.join(d, "scenario.json")) as f:
            sc = json.load(f)
        delay = sc.get("delay") or {}
        if delay.get("stage") == stage:
            time.sleep(delay.get("seconds", 1))
        page = 0
        if stage == "ruledownload":
            cur = body.get("cursor", "")
            page = int(cur.split("-")[1]) if cur.startswith("page-") else 0
        fail = sc.get("fail") or {}
        if fail.get("stage") == stage and fail.get("page", 0) == page:
            how = fail.get("how", "500")
            if how == "500":
                return self.answer(500, b'{"error": "injected"}')
            if how == "garbage":
                return self.answer(200, b"<html>not json</html>")
            if how == "truncate":
                return self.answer(200, b'{"rules": [{"identifier": "ab')
            if how == "close":
                self.close_connection = True
                return
        if stage == "preflight":
            out = sc.get("preflight", {})
        elif stage == "ruledownload":
            pages = sc.get("pages", [[]])
            rules = pages[page] if page < len(pages) else []
            if rules == "absent":		# protobuf's JSON: an empty list left out
                out = {}
            else:			# "null": Moroz's answer for no rules
                out = {"rules": None if rules == "null" else rules}
            if page + 1 < len(pages):
                out["cursor"] = page + 1 if sc.get("cursor_int") else "page-%d" % (page + 1)
        elif stage == "eventupload":
            out = {}
            bs = sc.get("preflight", {}).get("batch_size", 50)
            if len(body["events"]) > bs:
                self.violation("eventupload: %d events, more than batch_size %d" %
                               (len(body["events"]), bs))
            with open(os.path.join(d, "events.jsonl"), "a") as f:
                for e in body["events"]:
                    f.write(json.dumps(e) + "\n")
        else:
            out = {}
        return self.answer(200, json.dumps(out).encode())

    def violation(self, what):
        with open(os.path.join(self.server.dir, "violations"), "a") as f:
            f.write(what + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0, help="listen here (default: any free port)")
    ap.add_argument("--tls-cert", help="serve https with this certificate (PEM)")
    ap.add_argument("--tls-key", help="the certificate's private key (PEM)")
    ap.add_argument("--client-ca", help="require a client certificate issued by this CA")
    a = ap.parse_args()
    if bool(a.tls_cert) != bool(a.tls_key) or (a.client_ca and not a.tls_cert):
        ap.error("--tls-cert and --tls-key go together; --client-ca needs them")
    HTTPServer.allow_reuse_address = True
    srv = HTTPServer(("127.0.0.1", a.port), Handler)
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        if a.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(a.client_ca)
        # a failed handshake fails that connection only (accept raises, the server goes on)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.dir = a.dir
    with open(os.path.join(a.dir, "port.tmp"), "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(os.path.join(a.dir, "port.tmp"), os.path.join(a.dir, "port"))
    sys.stdout.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
