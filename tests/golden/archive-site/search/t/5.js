pithgenShard("search/t/5", {"t":{"9901001":[98],"9901001v1":[98],"can":[81],"events":[73],"four":[17],"is":[8],"ph":[50,18],"sparse":[24]}});
