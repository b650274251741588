pithgenShard("search/t/8", {"t":{"infeasible":[1],"networks":[1],"of":[1],"parallelized":[1],"this":[1]}});
