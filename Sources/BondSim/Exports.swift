// The record and log formats moved to BondReport (shared with `irbond run`); users of the
// simulator keep seeing them through BondSim.
@_exported import BondReport
