pithgenShard("search/t/2", {"1907.04415v2":[5],"2309.02222v1":[0],"bundles":[4],"cs.lg":[1],"dahl":[5,6],"emil":[5,6],"hep":[3,7],"old-style":[7]});
