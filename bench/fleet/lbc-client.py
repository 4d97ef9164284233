"""A surftrace remote-mode client for bench/fleet/e2e.sh.

With SURFTRACE_CLIENT=<checkout of aliyun/surftrace> it drives that project's own
ClbcClient (the class surftrace uses in remote mode); otherwise it sends the same
/lbc requests itself ([{"arch","ver","cmd","struct"|"func"}], 5 s timeout, a DbException
when log is not "ok.").
"""
import json
import os
import sys
import time
import urllib.request

port, ver = int(sys.argv[1]), sys.argv[2]
deadline = time.time() + float(sys.argv[3] if len(sys.argv) > 3 else 3600)


class DbException(Exception):
    pass


class SameRequests:
    def __init__(self, server, ver, arch, port):
        self._url, self._ver, self._arch = "http://%s:%d/lbc" % (server, port), ver, arch

    def _post(self, send):
        req = urllib.request.Request(self._url, data=json.dumps([send]).encode(), headers={"Connection": "close"})
        rd = json.loads(urllib.request.urlopen(req, timeout=5).read())
        ret = rd["res"][0]
        if ret["log"] != "ok.":
            raise DbException("db set return %s" % ret["log"])
        return ret

    def getStruct(self, s):
        return self._post({"arch": self._arch, "ver": self._ver, "cmd": "struct", "struct": s})

    def getFunc(self, f):
        return self._post({"arch": self._arch, "ver": self._ver, "cmd": "func", "func": f})


if os.environ.get("SURFTRACE_CLIENT"):
    sys.path.insert(0, os.environ["SURFTRACE_CLIENT"])
    from surftrace.lbcClient import ClbcClient as Client
    from surftrace.surfException import DbException  # noqa: F811
    kind = "surftrace ClbcClient"
else:
    Client, kind = SameRequests, "same /lbc requests as surftrace"

client = Client(server="127.0.0.1", ver=ver, arch="x86_64", port=port)
print("client: %s" % kind, flush=True)
first_miss = None
timeouts = 0
while True:
    try:
        res = client.getStruct("struct task_struct")
        break
    except DbException as e:
        now = time.time()
        if first_miss is None:
            first_miss = now
            print("first answer: %s" % e, flush=True)
    except OSError as e:  # surftrace gives up after 5 s; the build blocks the server meanwhile
        timeouts += 1
        if timeouts == 1:
            print("a request timed out (%s); retrying" % type(e).__name__, flush=True)
    if time.time() > deadline:
        sys.exit("no answer before the deadline")
    time.sleep(2)
ready = time.time()
cells = res["res"]["cell"]
comm = [c for c in cells if c["name"] == "comm[16]"]
func = client.getFunc("wake_up_new_task")["res"]
print("answer: struct task_struct, %d bytes, %d members; comm: %s" % (
    res["res"]["size"], res["res"]["members"], json.dumps(comm[0] if comm else None)), flush=True)
print("answer: wake_up_new_task: %s" % json.dumps(func), flush=True)
ok = res["res"]["size"] > 1000 and comm and comm[0]["type"] == "char" and comm[0]["size"] == 16
ok = ok and "struct task_struct *" in json.dumps(func)
print("requests that timed out meanwhile: %d" % timeouts, flush=True)
print("correct: %s" % ("yes" if ok else "NO"), flush=True)
if first_miss is not None:
    print("first miss to correct answer: %.1f s" % (ready - first_miss), flush=True)
sys.exit(0 if ok else 1)
