#!/usr/bin/env python3
# Replication speed on loopback: a whole log of N entries downloaded by bee
# (bee replicate) and by the JS peer (peer.js download), from a JS writer and
# from bee serve, 3 rounds each in the same minutes; prints medians.
#   python3 bench/replication/measure.py N   (BEE=path of the bee binary)
import json, os, shutil, subprocess, sys, tempfile, time
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
B = os.environ.get('BEE', os.path.join(ROOT, 'build', 'release', 'tools', 'bee'))
JS = os.path.join(ROOT, 'tests', 'interop', 'js', 'peer.js')
n = int(sys.argv[1])
TMP = tempfile.mkdtemp(prefix='bee-repl-bench-')
R1, R2 = os.path.join(TMP, 'from-js'), os.path.join(TMP, 'from-bee')
def peer():
    return subprocess.Popen(['node', JS], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
def call(p, c):
    p.stdin.write(json.dumps(c)+'\n'); p.stdin.flush()
    r = json.loads(p.stdout.readline())
    if not r.get('ok'): print('js error', r, file=sys.stderr)
    return r
w = peer()
wr = call(w, {'cmd':'writer','name':'w','seed':'11'*32})
for start in range(0, n, 1000):
    ops=[{'put':{'key':('%08d'%i).encode().hex(),'value':(('value-%d'%i)+'x'*90).encode().hex()}} for i in range(start, min(n,start+1000))]
    call(w, {'cmd':'append','bee':'w','ops':ops, 'timeout': 600000})
port = call(w, {'cmd':'listen'})['port']
url = 'bee://127.0.0.1:%d/%s' % (port, wr['key'])
res = {}
for rnd in range(3):
    shutil.rmtree(R1, ignore_errors=True)
    t=time.time(); rc=os.system('%s replicate %s %s --quiet > /dev/null' % (B, url, R1)); res.setdefault('bee<-js', []).append(time.time()-t)
    r = peer(); call(r, {'cmd':'reader','name':'r','key':wr['key']}); call(r, {'cmd':'connect','port':port})
    t=time.time(); call(r, {'cmd':'download','timeout':600000}); res.setdefault('js<-js', []).append(time.time()-t)
    call(r, {'cmd':'close'})
# bee serves the replica; JS and bee read it
srv = subprocess.Popen([B,'serve',R1,'--listen','127.0.0.1:0'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
bport = int(srv.stdout.readline().strip().rsplit(':',1)[1])
burl = 'bee://127.0.0.1:%d/%s' % (bport, wr['key'])
for rnd in range(3):
    shutil.rmtree(R2, ignore_errors=True)
    t=time.time(); os.system('%s replicate %s %s --quiet > /dev/null' % (B, burl, R2)); res.setdefault('bee<-bee', []).append(time.time()-t)
    r = peer(); call(r, {'cmd':'reader','name':'r','key':wr['key']}); call(r, {'cmd':'connect','port':bport})
    t=time.time(); call(r, {'cmd':'download','timeout':600000}); res.setdefault('js<-bee', []).append(time.time()-t)
    call(r, {'cmd':'close'})
srv.terminate(); srv.wait()
call(w, {'cmd':'close'})
blocks = n + 1
for k, v in res.items():
    v.sort(); m = v[len(v)//2]
    print('%-9s blocks %d  median %.2f s  (%.0f blocks/s)  runs %s' % (k, blocks, m, blocks/m, ' '.join('%.2f'%x for x in v)))
shutil.rmtree(TMP, ignore_errors=True)
