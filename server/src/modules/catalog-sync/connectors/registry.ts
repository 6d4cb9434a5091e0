import type { HttpClient } from '../../../lib/http-client.js';
import type { Connector, ConnectorConfig, ConnectorFactory, SystemType } from './types.js';

/** System type -> connector factory. Adding a system type is a new connector file plus one line in connectors/index.ts. */
export class ConnectorRegistry {
  private readonly factories = new Map<string, ConnectorFactory>();

  constructor(factories: ConnectorFactory[]) {
    for (const f of factories) this.factories.set(f.systemType, f);
  }

  types(): SystemType[] {
    return [...this.factories.keys()] as SystemType[];
  }

  factory(type: string): ConnectorFactory {
    const f = this.factories.get(type);
    if (!f) throw new Error(`no connector for system type "${type}"`);
    return f;
  }

  create(config: ConnectorConfig, http: HttpClient): Connector {
    return this.factory(config.systemType).create(config, http);
  }
}
