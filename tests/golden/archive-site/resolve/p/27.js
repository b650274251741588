pithgenShard("resolve/p/27", [["27CJB6WBM3G4XVM4SKGELYCXQ7","pith:2020:27CJB6WBM3G4XVM4SKGELYCXQ7","Open Graph Bundles for Citation Events"]]);
