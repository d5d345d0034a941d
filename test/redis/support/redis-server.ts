/** The tests start the same real redis-server the bench does (bench/redis-server.ts). */
export { startRedisServer, type RedisServer } from '../../../bench/redis-server.ts';
