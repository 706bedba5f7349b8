/**
 * The {@code etcd} discovery source: the backends of a pool are the keys under a prefix in etcd v3, one key per
 * backend with a small JSON value, read once and then followed with a watch. Configure it by name ({@code discovery:
 * { source: etcd, ... }}); the classes here are not API.
 */
package org.reverl.discovery.etcd;
