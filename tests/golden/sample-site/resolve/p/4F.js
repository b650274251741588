pithgenShard("resolve/p/4F", [["4FP6Z27B6DFNJRYZBSXH3XON27","pith:2018:4FP6Z27B6DFNJRYZBSXH3XON27","Collaborative Deep Learning Across Multiple Data Centers"]]);
