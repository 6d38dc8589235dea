/** The meta.k8s.io Table shapes, as kube-apiserver serialises them, and the printer contract. */

import type { KubeObject, ListMeta, ObjectMeta } from '../../api/meta.ts';

export interface TableColumnDefinition {
  name: string;
  /** An OpenAPI type: `string`, `integer`, `number`, `boolean`, or `date`. */
  type: string;
  /** An OpenAPI format; `name` marks the column holding the object's name. */
  format: string;
  description: string;
  /** 0 for the default view; higher only in `-o wide`. */
  priority: number;
}

/** A cell as JSON carries it: Go int64 cells are numbers, absent CRD column values are null. */
export type TableCell = string | number | boolean | null;

export interface TableRowCondition {
  /** `Completed` is the only type kube-apiserver sets (on pods that finished). */
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: TableApiVersion;
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  /** PartialObjectMetadata for includeObject=Metadata, the object for Object, absent for None. */
  object?: KubeObject | PartialObjectMetadata;
}

export type TableApiVersion = 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';

export interface Table {
  kind: 'Table';
  apiVersion: TableApiVersion;
  metadata: ListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** A CRD version's additionalPrinterColumns entry. */
export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** What a printer makes of one object: its cells, and row conditions if any. */
export interface PrintedRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
}

/**
 * A built-in kind's columns and row function. Rows always carry the priority-1 cells too: the
 * server prints with `Wide: true` and leaves hiding them to the client.
 */
export interface Printer {
  columns: TableColumnDefinition[];
  row(object: KubeObject, now: Date): PrintedRow;
}
