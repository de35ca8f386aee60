import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Request } from 'express';
import busboy from 'busboy';
import { BaseError, InputError } from '../../platform/errors.ts';
import { DatasetRejectedError, formatFromFileName } from '../../platform/datasets/validateDataset.ts';
import { beginStaging, type StagingUpload } from '../../platform/storage/staging.ts';

/** A file received whole, on disk in the staging area; the caller owns (and removes) `path`. */
export type StagedFile = { fileName: string; path: string; bytes: number; fields: Record<string, string> };

export type StageMultipartFileOptions = {
  stagingDir: string;
  /** Largest file accepted (the dataset limit); more is `DatasetRejectedError('too_large')`. */
  maxBytes: number;
  /** The form field that carries the file. */
  fileField: string;
  /** Text fields allowed besides the file; any other is refused. */
  fields: readonly string[];
};

/**
 * Reads a `multipart/form-data` body with exactly one file into the staging area (the same
 * `beginStaging` the web chat's uploads use, with the same size cap). Resolves once the whole
 * body is read and the file is on disk. Anything else — a malformed or truncated body, a
 * dropped connection, no file, two files, an unknown field, a file name of a format datasets
 * cannot have (`unsupported_format`), a file over `maxBytes` (`too_large`) — rejects, and then
 * nothing staged is left behind. Every error the streams can emit is handled here: a bad body
 * never takes the process down.
 */
export function stageMultipartFile(req: Request, options: StageMultipartFileOptions): Promise<StagedFile> {
  return new Promise<StagedFile>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        // busboy reports `partsLimit` when the count is reached: one part more than a full form is the refusal.
        limits: { files: 1, fields: options.fields.length, parts: options.fields.length + 2, fieldSize: 1024, fileSize: options.maxBytes + 1 },
      });
    } catch {
      reject(new InputError('Expected a multipart/form-data body (with its boundary) holding one file.'));
      req.resume();
      return;
    }
    let staging: StagingUpload | undefined;
    let fileName = 'file';
    const fields: Record<string, string> = {};
    /** The first thing wrong with the form; it is answered once the body is read. */
    let problem: BaseError | undefined;
    let settled = false;

    const fail = (err: BaseError) => {
      if (settled) return;
      settled = true;
      if (!staging) return reject(err);
      staging.abort(err);
      // Answered once the staged file is gone (removed by staging when it stops, or here when it
      // was already whole on disk).
      void staging.done.then((s) => fsp.rm(s.path, { force: true }), () => {}).then(() => reject(err));
    };

    bb.on('file', (name, stream, info) => {
      const drop = (err: BaseError) => {
        problem ??= err;
        stream.resume();
      };
      if (name !== options.fileField) return drop(new InputError(`Unexpected file in the form field "${name}": send the file as "${options.fileField}".`));
      if (staging) return drop(new InputError('Send one file per upload.'));
      fileName = path.basename(info.filename || '').slice(0, 200);
      if (!fileName) return drop(new InputError(`The file in "${options.fileField}" has no file name: give one, with its extension (.csv, .jsonl, .txt, .md).`));
      try {
        formatFromFileName(fileName);
      } catch (err) {
        return drop(err instanceof BaseError ? err : new InputError(String(err)));
      }
      // Staging never destroys the file stream: when it stops (too large, aborted) it drains the rest,
      // so busboy reads the form to its end and 'close' comes.
      staging = beginStaging(options.stagingDir, stream, options.maxBytes);
    });
    bb.on('field', (name, value, info) => {
      if (!options.fields.includes(name))
        problem ??= new InputError(`Unknown form field "${name}": expected "${options.fileField}"${options.fields.map((f) => ` and "${f}"`).join('')}.`);
      else if (info.valueTruncated) problem ??= new InputError(`The form field "${name}" is too long.`);
      else fields[name] = value;
    });
    const tooMany = () => {
      problem ??= new InputError(`Too many parts: send one file ("${options.fileField}")${options.fields.length ? ` and at most ${options.fields.map((f) => `"${f}"`).join(', ')}` : ''}.`);
    };
    bb.on('filesLimit', tooMany);
    bb.on('fieldsLimit', tooMany);
    bb.on('partsLimit', tooMany);
    bb.on('error', (err: Error) => fail(new InputError(`The multipart body is malformed or cut short (${err.message}); nothing was stored.`)));
    req.on('error', (err) => fail(new InputError(`The upload was interrupted (${err.message}); nothing was stored.`)));
    req.on('close', () => {
      if (!req.complete) fail(new InputError('The connection closed before the end of the body; nothing was stored.'));
    });
    bb.on('close', () => {
      if (settled) return;
      if (problem) return fail(problem);
      const current = staging;
      if (!current) return fail(new InputError(`No file: send it in the form field "${options.fileField}".`));
      current.done.then(
        (s) => {
          if (settled) return void fsp.rm(s.path, { force: true });
          settled = true;
          resolve({ fileName, path: s.path, bytes: s.bytes, fields });
        },
        (err: unknown) =>
          fail(err instanceof DatasetRejectedError ? err : new InputError(`The upload was interrupted (${(err as Error).message}); nothing was stored.`)),
      );
    });
    req.pipe(bb);
  });
}
