pithgenShard("resolve/p/M5", [["M56PP2TD5SSGHZPA4XA3TKG2XM","pith:2019:M56PP2TD5SSGHZPA4XA3TKG2XM","Reproducible Static Mirrors of Signed Preprint Records, Revisited"]]);
