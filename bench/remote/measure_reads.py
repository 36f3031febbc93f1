#!/usr/bin/env python3
# Sparse remote reads (issue 12): what a cold `bee get` and a 100-key
# `bee range` on bee://HOST:PORT/KEY cost (blocks, bytes, round trips from
# --stats, and wall time), from a JS writer (hypercore 11 + hyperbee 2, its
# `hyperbee` extension on) and from `bee serve` holding a replica of it, on
# loopback and, with DELAY_MS, through a proxy that holds every chunk
# DELAY_MS each way. 3 rounds each (a fresh temporary cache every run),
# medians printed.
#   python3 bench/remote/measure_reads.py N [DELAY_MS]   (BEE=bee binary)
import asyncio, json, os, shutil, subprocess, sys, tempfile, threading, time
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
B = os.environ.get('BEE', os.path.join(ROOT, 'build', 'release', 'tools', 'bee'))
JS = os.path.join(ROOT, 'tests', 'interop', 'js', 'peer.js')
n = int(sys.argv[1])
delay = float(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0.0
TMP = tempfile.mkdtemp(prefix='bee-remote-bench-')

def peer():
    return subprocess.Popen(['node', JS], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
def call(p, c):
    p.stdin.write(json.dumps(c)+'\n'); p.stdin.flush()
    r = json.loads(p.stdout.readline())
    if not r.get('ok'): print('js error', r, file=sys.stderr)
    return r

def start_proxy(target_port):
    # Holds each chunk `delay` seconds before passing it on, both ways.
    loop = asyncio.new_event_loop()
    ready = threading.Event(); port = []
    async def pipe(reader, writer):
        queue = asyncio.Queue()
        async def send():
            while True:
                due, data = await queue.get()
                await asyncio.sleep(max(0, due - loop.time()))
                if data is None: writer.close(); return
                writer.write(data)
        loop.create_task(send())
        while True:
            data = await reader.read(65536)
            queue.put_nowait((loop.time() + delay, data or None))
            if not data: return
    async def handle(cr, cw):
        sr, sw = await asyncio.open_connection('127.0.0.1', target_port)
        loop.create_task(pipe(cr, sw)); loop.create_task(pipe(sr, cw))
    async def main():
        server = await asyncio.start_server(handle, '127.0.0.1', 0)
        port.append(server.sockets[0].getsockname()[1]); ready.set()
        await server.serve_forever()
    threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True).start()
    ready.wait()
    return port[0]

w = peer()
wr = call(w, {'cmd':'writer','name':'w','seed':'11'*32})
for start in range(0, n, 1000):
    ops=[{'put':{'key':('%08d'%i).encode().hex(),'value':('value-%d'%i).encode().hex()}} for i in range(start, min(n,start+1000))]
    call(w, {'cmd':'append','bee':'w','ops':ops, 'timeout': 600000})
jport = call(w, {'cmd':'listen'})['port']
key = wr['key']
replica = os.path.join(TMP, 'replica')
subprocess.run([B, 'replicate', 'bee://127.0.0.1:%d/%s' % (jport, key), replica, '--quiet'], check=True, stdout=subprocess.DEVNULL)
srv = subprocess.Popen([B,'serve',replica,'--listen','127.0.0.1:0'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
bport = int(srv.stdout.readline().strip().rsplit(':',1)[1])
servers = {'js': jport, 'bee': bport}
if delay > 0:
    servers = {k: start_proxy(v) for k, v in servers.items()}

def run(args):
    t = time.time()
    p = subprocess.run([B] + args + ['--stats', '--timeout', '60000'], capture_output=True, text=True)
    wall = time.time() - t
    if p.returncode != 0: print('bee error', p.stderr, file=sys.stderr)
    stats = json.loads(p.stderr.strip().splitlines()[-1])
    return wall, stats, p.stdout

mid = n // 2
ops = {
    'cold get': lambda url: ['get', url, '%08d' % (mid + 7)],
    '100-key range': lambda url: ['range', url, '--gte', '%08d' % mid, '--lt', '%08d' % (mid + 100)],
}
print('N=%d keys (%d blocks), delay %.0f ms each way' % (n, n + 1, delay * 1000))
for sname, port in servers.items():
    url = 'bee://127.0.0.1:%d/%s' % (port, key)
    for oname, op in ops.items():
        walls = []; last = None
        for rnd in range(3):
            wall, stats, out = run(op(url)); walls.append(wall); last = stats
        walls.sort()
        print('%-4s %-14s roundTrips %3d  blocks %4d  bytes %7d  median %.3f s  runs %s' % (
            sname, oname, last['roundTrips'], last['blocks'], last['bytes'], walls[1], ' '.join('%.3f' % x for x in walls)))
srv.terminate(); srv.wait()
call(w, {'cmd':'close'})
shutil.rmtree(TMP, ignore_errors=True)
