pithgenShard("search/t/c", {"t":{"gr":[98],"jelpri5m":[82],"jelpri5m7d3ew4g4xk3pazzoxf":[82],"kim":[100],"ml":[18],"same":[81],"search":[1,33],"the":[65,17]}});
