pithgenShard("resolve/p/JE", [["JELPRI5M7D3EW4G4XK3PAZZOXF","pith:2019:JELPRI5M7D3EW4G4XK3PAZZOXF","Reproducible Static Mirrors of Signed Preprint Records"]]);
