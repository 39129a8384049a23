/** The Netty server for Ferry: add the dependency and {@code Ferry.serve} runs the app on Netty. */
package dev.ferry.netty;
