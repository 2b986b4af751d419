/** File writing that every module shares: atomic replacement of a file's contents. */
package io.solstice.core.io;
