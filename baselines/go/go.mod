module fanout/baselines/go

go 1.19
