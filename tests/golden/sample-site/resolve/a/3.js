pithgenShard("resolve/a/3", {"1810.06877":[[1,"4FP6Z27B6DFNJRYZBSXH3XON27","pith:2018:4FP6Z27B6DFNJRYZBSXH3XON27","Collaborative Deep Learning Across Multiple Data Centers"]]});
