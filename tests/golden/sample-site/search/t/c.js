pithgenShard("search/t/c", {"t":{"approaches":[1],"but":[1],"cv":[2],"ml":[2],"non":[1],"non-convex":[1],"the":[1],"valuable":[1]}});
