pithgenShard("search/t/4", {"t":{"2104":[50],"2104.05678":[50],"2104.05678v1":[50],"bela":[36],"eight":[1,33],"eight-character":[1,33],"lg":[18]}});
