"""One function per workflow stage, from file paths and config values to files.

One module per stage (``dataset``, ``train``, ``analyse``, ``dynamics``, ``aggregate``,
``plots``); ``log.log_to`` sends a job's log to its file.  The Snakemake scripts in
``workflow/scripts`` only unpack ``snakemake.input``, ``output`` and ``params`` and call one
of these functions, so every stage can be run and tested without Snakemake.

Only numpy and h5py are imported at the top of the modules: pandas, scipy, matplotlib and
TensorFlow come inside the stages that need them, so that the analysis job of each network,
a fraction of its training's cost, does not spend seconds importing what it never uses.
"""
