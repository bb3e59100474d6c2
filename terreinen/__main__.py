from terreinen.cli import main

if __name__ == "__main__":  # not again in the worker processes that dask spawns
    main()
