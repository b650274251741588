pithgenShard("search/t/3", {"t":{"choice":[1],"cs":[2],"dawei":[4],"kele":[4],"mi":[4],"model":[1],"require":[1]}});
