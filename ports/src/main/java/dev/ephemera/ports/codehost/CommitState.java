package dev.ephemera.ports.codehost;

/** States of a commit status. */
public enum CommitState { PENDING, SUCCESS, FAILURE, ERROR }
