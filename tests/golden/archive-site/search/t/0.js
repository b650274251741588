pithgenShard("search/t/0", {"04415v1":[6],"2104":[3],"2306":[1],"cr":[2,5,6],"ds":[1],"for":[1,2,4],"number":[0],"on":[7],"stochastic":[1]});
