pithgenShard("search/t/4", {"2203":[2],"27cjb6wbm3g4xvm4skgelycxq7":[4],"citation":[4],"events":[4],"jelpri5m7d3ew4g4xk3pazzoxf":[6],"lg":[1]});
