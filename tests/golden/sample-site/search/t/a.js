pithgenShard("search/t/a", {"1810.06877v1":[0],"chuan":[0],"stat.ml":[0]});
