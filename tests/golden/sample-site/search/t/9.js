pithgenShard("search/t/9", {"t":{"06877":[2],"06877v1":[2],"also":[1],"its":[1],"organizations":[1],"stat":[2],"stat.ml":[2],"we":[1]}});
