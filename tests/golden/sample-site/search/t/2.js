pithgenShard("search/t/2", {"cs.lg":[0],"haibo":[0],"kele":[0],"wang":[0]});
