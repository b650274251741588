pithgenShard("search/t/1", {"11111v1":[1],"2011":[4],"cs.ai":[1],"eze":[5,6],"math.pr":[0,2],"preprint":[5,6],"strings":[7],"th":[3,7]});
