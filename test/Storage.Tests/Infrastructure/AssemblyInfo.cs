// One test class at a time: the classes start clusters and silo processes on 2 shared cores, and one
// of them stops the PostgreSQL server that all of them use.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
