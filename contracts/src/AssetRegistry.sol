// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAssetRegistry} from "./interfaces/IAssetRegistry.sol";

/**
 * @title AssetRegistry
 * @notice On-chain registry of Caravan's AI assets (datasets, models, assistants). Only a content hash and a
 * metadata URI are stored; the content stays off-chain. Assets record their lineage: the assets they were
 * trained on or fine-tuned from. Lineage is bounded in fan-in ({MAX_PARENTS}) and depth ({MAX_DEPTH}) so that
 * anything walking it (royalty routing) has a bounded cost. Parents must exist before their children, so
 * the lineage graph is acyclic by construction.
 *
 * The platform registers assets through accounts holding {OPERATOR_ROLE}.
 */
contract AssetRegistry is IAssetRegistry, AccessControl {
    /// @notice Role allowed to register assets and to manage any asset's metadata.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    /// @notice The most parents one asset may list.
    uint256 public constant MAX_PARENTS = 8;

    /// @notice The deepest lineage allowed (an asset without parents has depth 0).
    uint256 public constant MAX_DEPTH = 16;

    uint256 private _assetCount;
    mapping(uint256 assetId => Asset) private _assets;
    mapping(uint256 assetId => Parent[]) private _parents;
    mapping(bytes32 contentHash => uint256 assetId) private _assetIdByHash;

    /**
     * @param admin receives {DEFAULT_ADMIN_ROLE} and {OPERATOR_ROLE}
     */
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(OPERATOR_ROLE, admin);
    }

    /**
     * @notice Registers an asset with its lineage.
     * @dev Ids start at 1. A FINETUNED_FROM parent must be a model or an assistant; datasets have no parents.
     * @param kind dataset, model or assistant
     * @param contentHash hash of the content; non-zero and not registered before
     * @param uri metadata URI
     * @param owner account controlling the asset's metadata and license terms
     * @param parents direct parents (at most {MAX_PARENTS}, distinct, existing)
     * @return assetId the new asset's id
     */
    function registerAsset(
        AssetKind kind,
        bytes32 contentHash,
        string calldata uri,
        address owner,
        Parent[] calldata parents
    ) external onlyRole(OPERATOR_ROLE) returns (uint256 assetId) {
        if (contentHash == bytes32(0)) revert AssetRegistryZeroContentHash();
        uint256 existing = _assetIdByHash[contentHash];
        if (existing != 0) revert AssetRegistryDuplicateContentHash(contentHash, existing);
        if (owner == address(0)) revert AssetRegistryInvalidOwner(owner);
        if (parents.length > MAX_PARENTS) revert AssetRegistryTooManyParents(parents.length, MAX_PARENTS);

        uint256 depth = 0;
        for (uint256 i = 0; i < parents.length; ++i) {
            uint256 parentDepth = _checkParent(kind, parents, i);
            if (parentDepth + 1 > depth) depth = parentDepth + 1;
        }
        if (depth > MAX_DEPTH) revert AssetRegistryLineageTooDeep(depth, MAX_DEPTH);

        // Cannot overflow: one id per transaction-bounded registration, far below 2**256.
        unchecked {
            assetId = ++_assetCount;
        }
        _assets[assetId] = Asset({
            owner: owner,
            kind: kind,
            depth: uint8(depth), // depth <= MAX_DEPTH (16) fits in uint8
            registeredAt: uint64(block.timestamp),
            contentHash: contentHash,
            uri: uri
        });
        _assetIdByHash[contentHash] = assetId;
        Parent[] storage stored = _parents[assetId];
        for (uint256 i = 0; i < parents.length; ++i) {
            stored.push(parents[i]);
        }

        emit AssetRegistered(assetId, kind, contentHash, owner, uri);
        for (uint256 i = 0; i < parents.length; ++i) {
            emit ParentLinked(assetId, parents[i].assetId, parents[i].relation);
        }
    }

    /**
     * @notice Changes the metadata URI of `assetId`.
     * @dev Callable by the asset's owner or an operator.
     */
    function setAssetURI(uint256 assetId, string calldata uri) external {
        Asset storage asset = _checkManager(assetId);
        asset.uri = uri;
        emit AssetURIUpdated(assetId, uri);
    }

    /**
     * @notice Transfers control of `assetId` to `newOwner`.
     * @dev Callable by the asset's owner or an operator.
     */
    function transferAssetOwnership(uint256 assetId, address newOwner) external {
        if (newOwner == address(0)) revert AssetRegistryInvalidOwner(newOwner);
        Asset storage asset = _checkManager(assetId);
        address previousOwner = asset.owner;
        asset.owner = newOwner;
        emit AssetOwnershipTransferred(assetId, previousOwner, newOwner);
    }

    /// @inheritdoc IAssetRegistry
    function assetIdByHash(bytes32 contentHash) external view returns (uint256) {
        return _assetIdByHash[contentHash];
    }

    /// @inheritdoc IAssetRegistry
    function assetOf(uint256 assetId) external view returns (Asset memory) {
        return _requireAsset(assetId);
    }

    /// @inheritdoc IAssetRegistry
    function parentsOf(uint256 assetId) external view returns (Parent[] memory) {
        _requireAsset(assetId);
        return _parents[assetId];
    }

    /// @inheritdoc IAssetRegistry
    function exists(uint256 assetId) public view returns (bool) {
        return _assets[assetId].owner != address(0);
    }

    /// @inheritdoc IAssetRegistry
    function ownerOfAsset(uint256 assetId) external view returns (address) {
        return _requireAsset(assetId).owner;
    }

    /// @notice The number of registered assets (also the highest asset id).
    function assetCount() external view returns (uint256) {
        return _assetCount;
    }

    /// @inheritdoc IAssetRegistry
    function isOperator(address account) external view returns (bool) {
        return hasRole(OPERATOR_ROLE, account);
    }

    /// @inheritdoc IAssetRegistry
    function isAdmin(address account) external view returns (bool) {
        return hasRole(DEFAULT_ADMIN_ROLE, account);
    }

    /// @dev Validates `parents[index]` for a child of `kind` and returns the parent's depth.
    function _checkParent(AssetKind kind, Parent[] calldata parents, uint256 index) private view returns (uint256) {
        Parent calldata parent = parents[index];
        Asset storage parentAsset = _assets[parent.assetId];
        if (parentAsset.owner == address(0)) revert AssetRegistryUnknownAsset(parent.assetId);
        if (
            kind == AssetKind.DATASET
                || (parent.relation == Relation.FINETUNED_FROM && parentAsset.kind == AssetKind.DATASET)
        ) revert AssetRegistryInvalidRelation(kind, parent.assetId, parent.relation);
        for (uint256 j = 0; j < index; ++j) {
            if (parents[j].assetId == parent.assetId) revert AssetRegistryDuplicateParent(parent.assetId);
        }
        return parentAsset.depth;
    }

    /// @dev Returns the asset if `msg.sender` is its owner or an operator.
    function _checkManager(uint256 assetId) private view returns (Asset storage asset) {
        asset = _requireAsset(assetId);
        if (msg.sender != asset.owner && !hasRole(OPERATOR_ROLE, msg.sender)) {
            revert AssetRegistryUnauthorized(msg.sender, assetId);
        }
    }

    /// @dev Returns the asset or reverts with {AssetRegistryUnknownAsset}.
    function _requireAsset(uint256 assetId) private view returns (Asset storage asset) {
        asset = _assets[assetId];
        if (asset.owner == address(0)) revert AssetRegistryUnknownAsset(assetId);
    }
}
