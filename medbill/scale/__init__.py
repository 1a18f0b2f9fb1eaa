"""Claims histories larger than one process: a Parquet dataset partitioned by patient
(:mod:`medbill.scale.partition`) and the Dask engine that scrubs and prices it partition by partition
(:mod:`medbill.scale.engine`, needs the ``medbill[dask]`` extra)."""
