// Each collection starts its own multi-silo cluster; on a two-core machine they are steadier one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
