pithgenShard("search/t/c", {"astro":[4],"birthday":[2],"gr":[7],"graphs":[1],"hos3xe5ikwhnq6cfpfuldrq6v7":[2],"jtphvojskrk26m3qp5y2vifdc2":[3],"kim":[7],"ml":[1],"quant":[3]});
