#!/usr/bin/env python3
"""Where a wasm module's code bytes go: by crate and by function, from its name section.

Usage: wasm_size.py MODULE.wasm [TOP]   (build with names: see crates/vexil-bench/README.md)
"""
import sys, re, collections, gzip
data=open(sys.argv[1],'rb').read()
def leb(b,i):
    r=s=0
    while True:
        x=b[i]; i+=1; r|=(x&0x7f)<<s; s+=7
        if x<0x80: return r,i
i=8; sections=[]; 
while i<len(data):
    sid=data[i]; i+=1; size,i=leb(data,i); sections.append((sid,i,size)); i+=size
nimports=0; names={}; bodies=[]
for sid,off,size in sections:
    if sid==2:
        j=off; n,j=leb(data,j)
        for _ in range(n):
            l,j=leb(data,j); j+=l; l,j=leb(data,j); j+=l; kind=data[j]; j+=1
            if kind==0: _,j=leb(data,j); nimports+=1
            elif kind==1: j+=1; fl,j=leb(data,j); _,j=leb(data,j); 
            elif kind==2: fl,j=leb(data,j); _,j=leb(data,j); 
            elif kind==3: j+=2
    if sid==10:
        j=off; n,j=leb(data,j)
        for k in range(n):
            sz,j=leb(data,j); bodies.append((k+nimports, data[j:j+sz])); j+=sz
    if sid==0:
        j=off; l,j=leb(data,j); nm=data[j:j+l].decode(); j+=l
        if nm=='name':
            end=off+size
            while j<end:
                sub=data[j]; j+=1; sz,j=leb(data,j)
                if sub==1:
                    k=j; n,k=leb(data,k)
                    for _ in range(n):
                        idx,k=leb(data,k); l,k=leb(data,k); names[idx]=data[k:k+l].decode('utf8','replace'); k+=l
                j+=sz
print("sections:", [(s,sz) for s,_,sz in sections if sz>1000])
def crate(n):
    n2=re.sub(r'^_ZN|^<|\$','',n)
    m=re.search(r'(vexil_[a-z]+|pest_derive|pest|serde_json|serde|regex_lite|semver|strsim|sha2|core|alloc|std|wasm_bindgen|js_sys|hashbrown|rustc_hash|dlmalloc|compiler_builtins)',n)
    return m.group(1) if m else 'other'
from itertools import groupby
import subprocess
bycrate=collections.Counter(); byfn=[]
try:
    dem=subprocess.run(['rustfilt'],input='\n'.join(names.get(i,'?') for i,_ in bodies),capture_output=True,text=True).stdout.split('\n')
except Exception: dem=[names.get(i,'?') for i,_ in bodies]
for (i,b),d in zip(bodies,dem):
    bycrate[crate(d)]+=len(b); byfn.append((len(b),d[:150]))
tot=sum(bycrate.values()); print("code total",tot)
for c,s in bycrate.most_common(25): print(f"{s:8d} {c}")
byfn.sort(reverse=True)
for s,n in byfn[:int(sys.argv[2]) if len(sys.argv)>2 else 40]: print(s,n)
